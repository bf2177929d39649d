"""Django's database sessions, with fewer round trips to the database.

Every request that carries a session cookie reads its session, so the read is the most
frequent query the app makes. Django's backend builds it through the ORM each time; as one
fixed SQL statement it costs a fraction of that (measured with bench/intake_load.py).

Writing a session is one statement. Django wraps it in BEGIN and COMMIT, and checks that a new
key is free with a query of its own first; here, outside a transaction, the statement runs on
its own (autocommit makes it atomic), and a new key is not checked first: the INSERT refuses a
key already in use and `create()` draws another, as Django's does after such a refusal.
Deleting and `clearsessions` are Django's own, unchanged.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import VALID_KEY_CHARS, CreateError, UpdateError
from django.db import DatabaseError, IntegrityError, connections, router
from django.utils import timezone
from django.utils.crypto import get_random_string


class SessionStore(db.SessionStore):
    def load(self) -> dict[str, Any]:
        connection = connections[router.db_for_read(self.model)]
        table = connection.ops.quote_name(self.model._meta.db_table)
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        query = f"SELECT session_data FROM {table} WHERE session_key = %s AND expire_date > %s"
        with connection.cursor() as cursor:
            cursor.execute(query, [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            # Expired or unknown: a new key is made on save, as in Django's backend.
            self._session_key = None
            return {}
        return self.decode(row[0])

    def _get_new_session_key(self) -> str:
        # 36**32 possible keys: one already in use is, in practice, never drawn (see above).
        return get_random_string(32, VALID_KEY_CHARS)

    def save(self, must_create: bool = False) -> None:
        using = router.db_for_write(self.model)
        if self.session_key is None or connections[using].in_atomic_block:
            # A new session (create() comes back here with its key), or inside a transaction
            # someone else opened: Django's own save, with its savepoint.
            super().save(must_create=must_create)
            return
        data = self._get_session(no_load=must_create)  # type: ignore[attr-defined]
        row = self.create_model_instance(data)
        try:
            row.save(force_insert=must_create, force_update=not must_create, using=using)
        except IntegrityError as exc:
            if must_create:
                raise CreateError from exc
            raise
        except DatabaseError as exc:
            if not must_create:
                raise UpdateError from exc
            raise
