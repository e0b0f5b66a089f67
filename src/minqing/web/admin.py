from django.contrib import admin  # noqa: F401

# Campaign is registered in minqing.ideas.admin (the model moved there).
