from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "minqing.insights"
    label = "insights"
    verbose_name = "分析研判 / Insights"

    def ready(self):
        from . import classify, indexing, places

        indexing.connect_signals()
        places.connect_signals()
        classify.connect_signals()
        self._connect_route_cache()

    def _connect_route_cache(self):
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from minqing.regions.models import Department

        from .analyze import clear_route_cache
        from .models import RoutingRule

        for model in (RoutingRule, Department):
            post_save.connect(clear_route_cache, sender=model, dispatch_uid=f"insights_routes_{model.__name__}_save")
            post_delete.connect(clear_route_cache, sender=model, dispatch_uid=f"insights_routes_{model.__name__}_del")
        m2m_changed.connect(clear_route_cache, sender=Department.categories.through,
                            dispatch_uid="insights_routes_department_categories")
