import time

from tests.e2e.conftest import Bot, new_user


def test_smoke(bot: Bot) -> None:
    u = new_user()
    t = time.monotonic()
    eph, dm = bot.ruil(u)
    print(time.monotonic() - t)
    print(eph)
    print(dm.visible)
    print(dm.labels())
    r = bot.say(u, "finacien")
    print(r.visible)
    t = time.monotonic()
    bot.restart()
    print("restart", time.monotonic() - t)
    eph, dm = bot.ruil(u)
    print(dm.visible)
    print(bot.slack.dump())
