from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "minqing.people"
    label = "people"
