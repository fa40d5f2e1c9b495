"""One exception hierarchy; api/errors.py renders each as {error, message, details}."""

from __future__ import annotations

from typing import Any, ClassVar


class AppError(Exception):
    status_code: ClassVar[int] = 500
    code: ClassVar[str] = "INTERNAL_ERROR"
    default_message: ClassVar[str] = "An unexpected error occurred"

    def __init__(
        self,
        message: str | None = None,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.details = details or {}
        self.headers = headers or {}
        super().__init__(self.message)


class ValidationFailed(AppError):
    status_code = 422
    code = "VALIDATION_ERROR"
    default_message = "Request validation failed"


class InvalidCredentials(AppError):
    status_code = 401
    code = "INVALID_CREDENTIALS"
    default_message = "Invalid email or password"


class NotAuthenticated(AppError):
    status_code = 401
    code = "NOT_AUTHENTICATED"
    default_message = "Not authenticated"

    def __init__(self, message: str | None = None, details: dict[str, Any] | None = None) -> None:
        super().__init__(message, details, headers={"WWW-Authenticate": "Bearer"})


class InvalidToken(NotAuthenticated):
    code = "INVALID_TOKEN"
    default_message = "Invalid token"


class TokenExpired(NotAuthenticated):
    code = "TOKEN_EXPIRED"
    default_message = "Token has expired"


class Forbidden(AppError):
    status_code = 403
    code = "FORBIDDEN"
    default_message = "You do not have access to this resource"


class NotFound(AppError):
    status_code = 404
    code = "NOT_FOUND"
    default_message = "Not found"


class MethodNotAllowed(AppError):
    status_code = 405
    code = "METHOD_NOT_ALLOWED"
    default_message = "Method not allowed"


class Conflict(AppError):
    status_code = 409
    code = "CONFLICT"
    default_message = "Conflict"


class UserExists(Conflict):
    code = "USER_EXISTS"
    default_message = "A user with this email already exists"


class ArchivedPeriod(Conflict):
    code = "ARCHIVED_PERIOD"
    default_message = "The write touches a period whose points are archived"


class PayloadTooLarge(AppError):
    status_code = 413
    code = "PAYLOAD_TOO_LARGE"
    default_message = "Payload too large"


class MalformedBody(AppError):
    status_code = 400
    code = "MALFORMED_BODY"
    default_message = "The request body cannot be read"


class QueryTimeout(AppError):
    status_code = 503
    code = "QUERY_TIMEOUT"
    default_message = "The database did not answer within the statement timeout"


class UnsupportedMediaType(AppError):
    status_code = 415
    code = "UNSUPPORTED_MEDIA_TYPE"
    default_message = "Unsupported media type"


class RateLimited(AppError):
    status_code = 429
    code = "RATE_LIMIT_EXCEEDED"
    default_message = "Rate limit exceeded"


class ServiceUnavailable(AppError):
    status_code = 503
    code = "SERVICE_UNAVAILABLE"
    default_message = "Service unavailable"


class AIError(AppError):
    status_code = 501
    code = "AI_ERROR"
    default_message = "Failed to generate AI insight. Provider may not be configured."
