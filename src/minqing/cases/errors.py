"""Errors every interface turns into the same answer: a stable code, a message,
an HTTP status, and for bad input the field it is about."""


class ActionError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message, *, code=None, field=None):
        super().__init__(message)
        self.message = str(message)
        if code:
            self.code = code
        self.field = field

    def as_dict(self):
        body = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        return body


class InvalidInput(ActionError):
    status = 422
    code = "invalid"


class Forbidden(ActionError):
    status = 403
    code = "forbidden"


class NotFound(ActionError):
    status = 404
    code = "not_found"


class IllegalTransition(ActionError):
    status = 409
    code = "illegal_transition"


class Conflict(ActionError):
    status = 409
    code = "conflict"
