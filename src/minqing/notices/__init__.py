"""Notices (消息提醒): in-app notices to people, and messages out (e-mail, SMS).

- ``core``: ``notify(kind, case, to, at=…)`` writes the notices of one event in
  the caller's transaction (the actions layer calls it), renders their text,
  marks them read; ``tell_reporter`` queues the reporter's SMS.
- ``models``: ``Outbound`` (the outbox of e-mails and SMS: status, attempts,
  next_attempt_at, last_error) and ``MessageTemplate`` (texts editable in the admin).
- ``outbox``: the worker job: claims due rows with a conditional UPDATE, sends
  them through ``channels``, retries with back-off.
- ``channels``: e-mail through Django's mail backends; SMS through a gateway
  backend (``LogSmsBackend`` by default, ``HttpSmsBackend`` for a generic HTTP gateway).
"""
