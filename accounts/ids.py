"""Time-ordered UUIDs (RFC 9562 version 7) for primary keys.

Public ids are UUIDs (the Gather API speaks UUIDs); version 7 keeps new rows at the end
of the primary-key index, so inserting a million invites does not scatter B-tree pages
the way random version-4 ids do.
"""

import os
import time
import uuid


def uuid7() -> uuid.UUID:
    unix_ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (unix_ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version
    value |= ((rand >> 62) & 0xFFF) << 64  # rand_a, 12 bits
    value |= 0b10 << 62  # variant
    value |= rand & ((1 << 62) - 1)  # rand_b, 62 bits
    return uuid.UUID(int=value)
