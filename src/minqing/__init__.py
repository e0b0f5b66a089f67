"""minqing (民情): register, dispatch, supervise, answer and close people's problems."""

__version__ = "0.1.0"
