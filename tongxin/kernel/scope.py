"""A person's scope: where their roles let them see, computed once per request.

The kernel defines what a scope is; the people app, which knows roles, registers the
function that computes one (``set_provider`` in people's manifest). Every
``visible_to(user)`` goes through ``scope_for`` (querysets.ScopedQuerySet), so there is
one place that turns roles into place ranges.
"""

from dataclasses import dataclass

from django.db.models import Q

from tongxin.kernel.paths import minimal_roots, subtrees_q

_CACHE_ATTR = "_tongxin_scope"


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    place_roots: tuple = ()
    place_ancestors: frozenset = frozenset()
    people_roots: tuple = ()
    contact_roots: tuple = ()
    organisation_ids: frozenset = frozenset()
    roles: tuple = ()
    staff: bool = False
    household_code: str = ""
    role_places: tuple = ()  # (role, place code) for every role held
    person_id: int | None = None
    household_id: int | None = None
    # The anonymous public (Open311, the public board): sees only what is published.
    public: bool = False

    def roots_for_roles(self, roles):
        """Return the minimal place codes where any of ``roles`` is held."""
        return tuple(minimal_roots(code for role, code in self.role_places if role in roles))

    def covers_place(self, code, roots_name="place_roots"):
        return self.everything or any(code.startswith(root) for root in getattr(self, roots_name))

    def covers_for_roles(self, roles, code):
        """Whether one of ``roles`` is held at ``code`` or above it."""
        return self.everything or any(
            role in roles and code.startswith(root) for role, root in self.role_places)

    def has_any_role(self, roles):
        return bool(set(self.roles) & set(roles))

    def places_q(self, field="code", roots_name="place_roots"):
        """Return a Q for codes in ``field`` under this scope's roots (all for everything)."""
        if self.everything:
            return Q()
        return subtrees_q(getattr(self, roots_name), field)


NOBODY = Scope()
PUBLIC = Scope(public=True)

_provider = None


def set_provider(function):
    """Register the function that computes a signed-in user's Scope (the people app)."""
    global _provider
    _provider = function


def scope_for(user):
    """Return (and cache on the user object) the scope of ``user``; NOBODY when signed out."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOBODY
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    if _provider is None:
        raise RuntimeError("no scope provider registered (is tongxin.people installed?)")
    scope = _provider(user)
    setattr(user, _CACHE_ATTR, scope)
    return scope


def forget_scope(user):
    """Drop the cached scope after the user's roles change."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)
