from runner.dashboard.logview import collapse, progress_key, render_html


def test_progress_bar_updates_collapse_to_latest_state_in_place():
    lines = [
        ("stdout", "starting"),
        ("stderr", "users:   0%|          | 0/300 [00:00<?, ?it/s]"),
        ("stderr", "\rusers:  50%|#####     | 150/300 [00:01<00:01, 99it/s]"),
        ("stdout", "halfway note"),
        ("stderr", "\rusers: 100%|##########| 300/300 [00:02<00:00, 120it/s]"),
        ("stdout", "done"),
    ]
    entries = collapse(lines)
    texts = [e.text for e in entries]
    assert texts == [
        "starting",
        "users: 100%|##########| 300/300 [00:02<00:00, 120it/s]",
        "halfway note",
        "done",
    ]


def test_two_bars_are_kept_apart_and_plain_lines_untouched():
    lines = [
        ("stderr", "read:  10%|#| 1/10 [00:00<00:01]"),
        ("stderr", "write:  20%|##| 2/10 [00:00<00:01]"),
        ("stderr", "\rread:  90%|#########| 9/10 [00:01<00:00]"),
        ("stdout", "50% of users have no email"),
    ]
    texts = [e.text for e in collapse(lines)]
    assert texts[0].startswith("read:  90%")
    assert texts[1].startswith("write:  20%")
    assert texts[2] == "50% of users have no email"
    assert progress_key("50% of users have no email") is None


def test_ansi_codes_removed_and_html_escaped():
    html = render_html(collapse([("stderr", "\x1b[31mValueError: <bad>\x1b[0m")]))
    assert "&lt;bad&gt;" in html and "\x1b" not in html and "tb-log-err" in html


def test_render_keeps_only_the_tail():
    entries = collapse([("stdout", f"line {i}") for i in range(10)])
    html = render_html(entries, limit=3)
    assert "7 earlier lines not shown" in html and "line 9" in html and "line 6" not in html


def test_bars_without_a_total_collapse_too():
    lines = [("stderr", "etl: 0 records [00:00, ? records/s]"),
             ("stderr", "\retl: 155 records [00:01, 120.5 records/s]"),
             ("stdout", "at 10:30 [00:00] is a time, 3 [12:00] too")]
    entries = collapse(lines)
    assert [e.text for e in entries][0] == "etl: 155 records [00:01, 120.5 records/s]" and len(entries) == 2
    assert entries[1].progress_key is None  # bracketed times in plain text are not bars
