"""Who may browse and open places."""

import rules

from tongxin.kernel.scope import scope_for


@rules.predicate
def browses_places(user):
    scope = scope_for(user)
    return scope.everything or bool(scope.place_roots)


@rules.predicate
def place_in_scope(user, place):
    if place is None:
        return False
    scope = scope_for(user)
    return scope.covers_place(place.code) or place.code == scope.household_code


rules.add_perm("places.browse_places", browses_places)
rules.add_perm("places.view_place", place_in_scope)
