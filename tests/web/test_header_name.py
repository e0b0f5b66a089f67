"""People have names: the header names the person by their display name, the login only without one."""

from django.test import Client

from minqing.people.models import Profile


def test_header_shows_the_display_name(world):
    user = world.users["disp_zt"]
    c = Client()
    c.force_login(user)
    Profile.objects.filter(user=user).delete()
    assert "(disp_zt)" in c.get("/work/inbox/").content.decode()
    Profile.objects.create(user=user, display_name="周建国", unit="朱亭镇民情调度中心")
    html = c.get("/work/inbox/").content.decode()
    assert "(周建国)" in html and "(disp_zt)" not in html
