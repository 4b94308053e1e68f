from apps.core.templatetags.flightbook import day_offset, duration, iso_time


def test_overnight_arrival_is_marked_with_the_day_offset_in_local_dates():
    # Leaves Paris 22:00 on the 30th, lands in Tokyo 19:55 local on the 1st.
    assert day_offset("2026-11-30T22:00:00+01:00", "2026-12-01T19:55:00+09:00") == "+1"
    assert day_offset("2026-11-30T08:25:00+00:00", "2026-11-30T11:25:00-05:00") == ""


def test_times_show_in_the_airports_own_offset():
    assert iso_time("2026-11-30T11:25:00-05:00") == "11:25"
    assert duration(835) == "13h 55m"
