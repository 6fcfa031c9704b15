"""Engine connection limits by instance class, for the "connections above 80 %" alarms.

RDS sets max_connections from the class's memory (DBInstanceClassMemory, which is the class memory
less what RDS reserves; the whole memory is used here, so the limits are slightly generous and the
alarm fires a little late rather than falsely):
- MySQL: DBInstanceClassMemory / 12582880
- PostgreSQL and Aurora PostgreSQL: LEAST(DBInstanceClassMemory / 9531392, 5000)
- Aurora MySQL: the table AWS publishes per class memory (45 on 2 GiB up to 7,000 on 768 GiB).
Sources: the RDS User Guide "Maximum number of database connections" and the Aurora User Guide
"Maximum connections to an Aurora MySQL DB instance".
"""

from __future__ import annotations

import re

GIB = 1024 ** 3
# Memory of the 'large' size per family kind; each size step doubles it.
_LARGE_MEMORY_GIB = {"t": 8, "m": 8, "r": 16, "x": 32}
_BURSTABLE_SMALL = {"micro": 1, "small": 2, "medium": 4}
_SIZES = ("large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge", "24xlarge", "32xlarge")
_SIZE_FACTOR = {"large": 1, "xlarge": 2, "2xlarge": 4, "4xlarge": 8, "8xlarge": 16, "12xlarge": 24,
                "16xlarge": 32, "24xlarge": 48, "32xlarge": 64}
SERVERLESS_GIB_PER_ACU = 2
# Aurora MySQL's published max_connections by class memory (GiB); sizes between take the lower entry.
_AURORA_MYSQL_BY_MEMORY = ((2, 45), (4, 90), (8, 135), (16, 1000), (32, 2000), (64, 3000), (128, 4000),
                           (256, 5000), (384, 6000), (768, 7000))


def class_memory_gib(instance_class: str, serverless_max_acu: float | None = None) -> float:
    """Memory of an RDS class such as db.t4g.micro, db.r6g.large or db.serverless (at its maximum ACU)."""
    if instance_class == "db.serverless":
        if not serverless_max_acu:
            raise ValueError("db.serverless needs its maximum ACU to derive memory; fix: pass serverless_max_acu")
        return serverless_max_acu * SERVERLESS_GIB_PER_ACU
    match = re.fullmatch(r"db\.([a-z])\d+[a-z]*\.([0-9]*x?[a-z]+)", instance_class)
    kind, size = (match.group(1), match.group(2)) if match else ("", "")
    if kind == "t" and size in _BURSTABLE_SMALL:
        return _BURSTABLE_SMALL[size]
    if kind in _LARGE_MEMORY_GIB and size in _SIZE_FACTOR and not (kind == "t" and size not in ("large", "xlarge",
                                                                                                  "2xlarge")):
        return _LARGE_MEMORY_GIB[kind] * _SIZE_FACTOR[size]
    raise ValueError(f"instance class {instance_class!r} is not in the connection-limit table; fix: use a "
                     f"t/m/r/x class sized micro..{_SIZES[-1]}, or extend modules/monitoring/limits.py")


def max_connections(engine: str, instance_class: str, serverless_max_acu: float | None = None) -> int:
    """The engine's default max_connections on that class."""
    memory = class_memory_gib(instance_class, serverless_max_acu) * GIB
    if engine in ("postgres", "aurora-postgresql"):
        return int(min(memory // 9531392, 5000))
    if engine == "mysql":
        return int(memory // 12582880)
    if engine == "aurora-mysql":
        gib = memory / GIB
        fitting = [limit for size, limit in _AURORA_MYSQL_BY_MEMORY if size <= gib]
        return fitting[-1] if fitting else _AURORA_MYSQL_BY_MEMORY[0][1]
    raise ValueError(f"engine {engine!r}; fix: mysql, postgres, aurora-mysql or aurora-postgresql")
