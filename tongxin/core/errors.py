"""Errors that services raise (kept here for older imports; they live in the kernel)."""

from tongxin.kernel.errors import PermissionDenied, ServiceError, TransitionError

__all__ = ["PermissionDenied", "ServiceError", "TransitionError"]
