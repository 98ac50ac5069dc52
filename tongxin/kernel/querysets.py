"""One ``visible_to`` for every model: the queryset asks the model what a scope may see.

A model that people read declares ``scope_q(scope, action)`` (a classmethod returning a
Q) and uses ``ScopedQuerySet.as_manager()`` (or a subclass). ``visible_to(user)`` then
computes the user's scope once (kernel.scope) and filters by that Q; ``everything``
(a superuser) sees all rows unless the model sets ``scope_everything = False`` (an
inbox is its owner's alone), and a ``scope_q`` that returns None means no rows.
"""

from django.db import models

from tongxin.kernel.scope import Scope, scope_for


class ScopedQuerySet(models.QuerySet):
    def visible_to(self, user, action="view"):
        """Return the rows ``user`` (a person, None, or a Scope) may see for ``action``."""
        scope = user if isinstance(user, Scope) else scope_for(user)
        if scope.everything and getattr(self.model, "scope_everything", True):
            return self.all()
        query = self.model.scope_q(scope, action)
        if query is None:
            return self.none()
        return self.filter(query)
