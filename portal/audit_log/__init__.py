"""The audit log page: administrators read their firm's log (``portal.audit`` records it).

Kept apart from the recorder, which every feature and sign-in itself write with, because
the page needs sign-in: together they would make ``portal.audit`` and ``portal.auth`` need
each other.
"""
