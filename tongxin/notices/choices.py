# Transitional, and a known layering violation (a platform service importing a domain):
# the matter loop's notice kinds live in tongxin.matters.notices and reach the notices
# app through the registry; nothing in notices uses this name. It is re-exported only
# for callers that still import it from here (matters.services, api.serializers, the
# SPECTACULAR enum override in settings, the deadlines and demo tests); it goes when
# they import tongxin.matters.notices instead.
from tongxin.matters.notices import NoticeKind  # noqa: F401
