"""The dashboard's CSS (one place)."""

CSS = """
<style>
.tb-error { color: #b00020; }
.tb-ok { color: #1b7f3b; }
.tb-required { color: #b00020; }
.tb-help { color: #666; font-size: 90%; margin-left: 8px; }
.tb-badge { background: #fff3cd; border: 1px solid #e0c36c; border-radius: 4px; font-size: 70%; padding: 1px 6px; }
.tb-category { margin: 10px 0 2px 0; }
.tb-job-desc { color: #555; font-size: 90%; margin: 0 0 6px 4px; max-width: 360px; }
.tb-job-broken { border-left: 3px solid #b00020; padding-left: 6px; margin: 4px 0; max-width: 360px; }
.tb-log-scroll { display: flex; flex-direction: column-reverse; max-height: 420px; overflow: auto; }
.tb-log { background: #111; color: #ddd; padding: 8px; margin: 0; font-size: 12px; line-height: 1.35;
          white-space: pre-wrap; min-width: 720px; }
.tb-log-err { color: #ff8a80; }
.tb-log-progress { color: #80d8ff; }
.tb-log-traceback { color: #ff8a80; } .tb-log-traceback summary { cursor: pointer; color: #bbb; }
.tb-status { font-weight: bold; padding: 1px 6px; border-radius: 4px; background: #eee; }
.tb-status-succeeded, .tb-status-applied { background: #d4edda; }
.tb-status-failed { background: #f8d7da; }
.tb-status-partly_applied { background: #fff3cd; }
.tb-status-planned { background: #fff3cd; }
.tb-status-running, .tb-status-applying { background: #d1ecf1; }
.tb-preview td, .tb-preview th, .tb-plan td, .tb-plan th { border: 1px solid #ddd; padding: 2px 6px; font-size: 90%; }
.tb-history-head, .tb-history-row { display: grid; grid-template-columns: 60px 200px 110px 100px 100px 150px 70px 190px; }
.tb-history-params { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; color: #555; }
.tb-kv th { text-align: left; padding: 1px 10px 1px 0; color: #555; font-weight: normal; }
.tb-kv td { padding: 1px 6px; font-family: monospace; }
.tb-run-meta { color: #555; margin-bottom: 4px; }
.tb-notice:empty { display: none; }
.tb-history-head { font-weight: bold; }
.tb-download { margin-right: 12px; color: #0b57d0; text-decoration: underline; }
.tb-plan caption { text-align: left; font-weight: bold; white-space: nowrap; }
.tb-plot { max-width: 720px; display: block; margin: 6px 0; }
</style>
"""
