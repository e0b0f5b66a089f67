from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "minqing.intake"
    label = "intake"
    verbose_name = "接入 / Intake"

    def ready(self):
        from minqing.cases.signals import event_recorded

        from .webhooks import on_event

        event_recorded.connect(on_event, dispatch_uid="intake.webhook_outbox")
