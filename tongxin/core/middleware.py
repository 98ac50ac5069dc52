"""Response headers that make the pages harder to abuse."""

from django.conf import settings


class ContentSecurityPolicyMiddleware:
    """Send a Content-Security-Policy: scripts, styles and images from this site only.

    The pages carry no inline scripts or styles (htmx's own indicator style is switched
    off in base.html), so the policy needs no 'unsafe-inline'. Django's admin uses
    inline style attributes, so it gets the same policy with inline styles allowed.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            admin = request.path.startswith("/admin/")
            policy = settings.TONGXIN_CSP_ADMIN if admin else settings.TONGXIN_CSP
            response["Content-Security-Policy"] = policy
        return response
