"""The facilitator's routes run in the real app, like the server's own tests."""

from tests.app.conftest import server

__all__ = ["server"]
