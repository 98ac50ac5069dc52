# Transitional: the matter loop's notice kinds now live in tongxin.matters.notices and
# reach the notices app through the registry. This re-export goes once notices is generic.
from tongxin.matters.notices import NoticeKind  # noqa: F401
