"""Progress bars: widgets in JupyterLab, text under the runner (a readable live log)."""

import io

from schoology_etl.progress import progress


def test_under_the_runner_the_bar_is_text_redrawn_at_most_once_a_second(monkeypatch):
    monkeypatch.setenv("TOOLBELT_RUN_ID", "7")
    out = io.StringIO()
    bar = progress(range(3), file=out, desc="users")
    assert list(bar) == [0, 1, 2]
    assert type(bar).__module__ == "tqdm.std" and bar.mininterval == 1.0
    assert "users: 100%" in out.getvalue()


def test_elsewhere_the_bar_is_tqdm_auto(monkeypatch):
    monkeypatch.delenv("TOOLBELT_RUN_ID", raising=False)
    bar = progress(total=2, disable=True)
    from tqdm.auto import tqdm as auto_tqdm

    assert isinstance(bar, auto_tqdm)
