"""The password hasher: Argon2id with OWASP's recommended minimum (19 MiB, 2 passes, 1 lane).

Django's own Argon2 parameters (100 MiB, 8 lanes) cost ~240 ms of CPU per login on this
2-core machine and 100 MiB per concurrent login; these cost ~30 ms (bench/login.py). The
hashes are ordinary ``argon2$argon2id$…`` ones: a hash made with other parameters (or
with PBKDF2) is rewritten with these at the user's next login.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher as DjangoArgon2


class Argon2PasswordHasher(DjangoArgon2):
    time_cost = 2
    memory_cost = 19456  # KiB
    parallelism = 1
