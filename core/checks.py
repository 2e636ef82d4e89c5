"""Our own deployment checks (`manage.py check --deploy`)."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

PER_PROCESS_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
}


@register(Tags.caches, deploy=True)
def shared_cache(app_configs, **kwargs) -> list[Warning]:
    """Rate limits (public verification, PDF requests, the iCal feed) count in the cache: a cache
    in each process's memory counts each process's requests alone, so N processes allow N times
    the limit."""
    if settings.CACHES["default"]["BACKEND"] not in PER_PROCESS_CACHES:
        return []
    return [
        Warning(
            "The cache is kept in each process's memory: rate limits count per process.",
            hint="Set REDIS_URL (or REDIS_CACHE_URL) so that every web process shares one cache.",
            id="core.W001",
        )
    ]
