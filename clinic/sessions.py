"""Django's database sessions, read with one plain query.

Every request that carries a session cookie reads its session, so the read is the most
frequent query the app makes. Django's backend builds it through the ORM each time; as one
fixed SQL statement it costs a fraction of that (measured with bench/intake_load.py). Creating,
saving, deleting and `clearsessions` are Django's own, unchanged.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


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
