"""Fargate's valid task sizes: CPU units and the memory (MiB) each admits. Pure data, shared by the
configuration's early check and the service construct's props check."""

FARGATE_MEMORY: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048), 512: tuple(range(1024, 4097, 1024)), 1024: tuple(range(2048, 8193, 1024)),
    2048: tuple(range(4096, 16385, 1024)), 4096: tuple(range(8192, 30721, 1024))}
