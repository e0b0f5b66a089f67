"""The closed loop end to end through the actions layer."""

from minqing.cases import actions
from minqing.insights import figures


def test_register_assign_accept_handle_visit_close(world):
    disp, water, rv = world.actor("disp_zt"), world.actor("water"), world.actor("rv_lk")
    case = actions.register(disp, text="朱亭村停水三天了", channel="hotline", kind="complaint",
                            category="water_supply", region="430212101201", reporter_phone="13800000000")
    actions.assign(disp, case, department="lk-water")
    actions.accept(water, case)
    actions.handle(water, case, result="已修复", disposition="solved")
    actions.visit_back(rv, case, rating="satisfied", score=9)
    case.refresh_from_db()
    assert case.state == "closed" and case.resolved
    f = figures.compute()
    assert f["intake"] == 1 and f["resolution_rate"] == 1.0 and f["satisfaction_rate"] == 1.0
    assert [e.action for e in case.events.all()] == ["register", "assign", "accept", "handle", "visit_back"]
