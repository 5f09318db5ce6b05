"""The dashboard's CSS (one place).

Layout: a banner, the view switcher, then the Jobs view as three columns (catalog, the
chosen job's form, the run), each scrolling on its own and sticking to the top of the
window, so all three stay in view together. Colours keep a contrast of at least 4.5:1
(WCAG AA) for text.
"""

CSS = """
<style>
body, .tb-app { background: #f4f6f8; }
.tb-app { color: #1f2328; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; padding: 0 12px; }
.tb-top { background: #12355b; color: #fff; border-radius: 6px; padding: 4px 14px; margin: 6px 0 8px 0; }
.tb-top .widget-label, .tb-top .widget-html-content, .tb-user b { color: #fff; }
.tb-banner h1.tb-title { font-size: 20px; margin: 6px 0; color: #fff; }
.tb-nav .widget-toggle-button { background: #fff; border: 1px solid #c3ccd5; color: #1f2328; font-weight: 600; }
.tb-nav .widget-toggle-button.mod-active { background: #0b57d0; color: #fff; border-color: #0b57d0; }
/* ipywidgets' stock button colours fail WCAG contrast with white text: darker shades of the same hues */
.tb-app .jupyter-button.mod-primary { background: #0b57d0; color: #fff; }
.tb-app .jupyter-button.mod-success { background: #1e6b34; color: #fff; }
.tb-app .jupyter-button.mod-info { background: #0b5c73; color: #fff; }
.tb-app .jupyter-button.mod-warning { background: #8a4b00; color: #fff; }
.tb-app .jupyter-button.mod-danger { background: #b3261e; color: #fff; }
.tb-workspace { display: grid !important; grid-template-columns: 270px minmax(380px, 1fr) minmax(440px, 1.25fr);
                gap: 14px; align-items: start; width: 100%; }
.tb-column { background: #fff; border: 1px solid #d0d7de; border-radius: 8px; padding: 8px 12px !important;
             position: sticky; top: 6px; max-height: calc(100vh - 24px); overflow: auto !important;
             box-sizing: border-box; min-width: 0; }
.tb-column > *, .tb-run-panel > .widget-box > * { flex-shrink: 0 !important; }  /* scroll, never overlap */
h2.tb-section { font-size: 17px; margin: 4px 0 8px 0; color: #12355b; }
h3.tb-section { font-size: 15px; margin: 10px 0 4px 0; color: #12355b; }
.tb-empty { color: #57606a; }
.tb-error { color: #b00020; }
.tb-ok { color: #1b6e35; }
.tb-required { color: #b00020; }
.tb-help { color: #57606a; font-size: 90%; margin-left: 8px; line-height: 1.4; }
.tb-badge { background: #fff3cd; color: #5c4400; border: 1px solid #c9a227; border-radius: 10px; font-size: 70%;
            padding: 1px 8px; vertical-align: middle; }
h3.tb-category { font-size: 12px; text-transform: uppercase; letter-spacing: .04em; color: #57606a;
                 margin: 12px 0 4px 0; }
.tb-job-button { background: #fff !important; color: #0b3d91 !important; border: 1px solid #d0d7de !important;
                 border-left: 4px solid #0b57d0 !important; text-align: left; justify-content: flex-start;
                 font-weight: 600; border-radius: 4px; margin: 2px 0 0 0 !important; }
.tb-job-button:hover, .tb-job-button:focus { background: #eef4ff !important; }
.tb-job-desc { color: #57606a; font-size: 85%; margin: 0 0 4px 6px; line-height: 1.3; }
.tb-job-desc .widget-html-content, .tb-catalog .widget-html-content { line-height: 1.3; }
.tb-job-broken { border-left: 3px solid #b00020; padding-left: 6px; margin: 4px 0; line-height: 1.3; }
.tb-job-about { color: #3d4650; margin: 0 0 8px 0; line-height: 1.4; }
.tb-when { margin: 10px 0 4px 0; }
.tb-schedule-box { border-left: 3px solid #0b57d0; padding-left: 8px !important; margin: 4px 0; }
.tb-run-panel .widget-html-content, .tb-job-detail .widget-html-content { line-height: 1.4; }
.tb-run-log .widget-html-content, .tb-run-rich .widget-html-content { line-height: 1.35; }
.tb-log-scroll { display: flex; flex-direction: column-reverse; max-height: 360px; overflow: auto; }
.tb-log { background: #111; color: #ddd; padding: 8px; margin: 0; font-size: 12px; line-height: 1.35;
          white-space: pre-wrap; word-break: break-word; }
.tb-log span { line-height: 1.35; }
.tb-log-err { color: #ff8a80; }
.tb-log-progress { color: #80d8ff; }
.tb-log-traceback { color: #ff8a80; } .tb-log-traceback summary { cursor: pointer; color: #bbb; }
.tb-status { font-weight: 700; padding: 2px 10px; border-radius: 10px; background: #e7eaee; color: #1f2328;
             font-size: 90%; text-transform: uppercase; letter-spacing: .03em; }
.tb-status-succeeded, .tb-status-applied { background: #d4edda; color: #14532d; }
.tb-status-failed { background: #f8d7da; color: #7a1020; }
.tb-status-cancelled { background: #e7eaee; color: #3d4650; }
.tb-status-planned, .tb-status-partly_applied { background: #fff3cd; color: #5c4400; }
.tb-status-running, .tb-status-applying, .tb-status-queued { background: #d1ecf1; color: #0c4a57; }
.tb-elapsed { color: #3d4650; margin-left: 6px; }
.tb-run-timing .widget-html-content { line-height: 1.4; }
.tb-usual { color: #3d4650; }
.tb-stuck { display: block; background: #fff3cd; color: #5c4400; border-left: 4px solid #c9a227; padding: 4px 8px;
            margin: 4px 0; }
.tb-progress-row { display: flex; align-items: center; gap: 8px; margin: 2px 0; }
.tb-progress-label { min-width: 90px; color: #3d4650; }
progress.tb-progress { width: 260px; height: 14px; accent-color: #0b57d0; }
.tb-progress-text { color: #3d4650; font-size: 90%; }
.tb-preview td, .tb-preview th, .tb-plan td, .tb-plan th { border: 1px solid #d0d7de; padding: 2px 6px;
                                                          font-size: 90%; }
.tb-history-head, .tb-history-row { display: grid;
                                    grid-template-columns: 60px 230px 110px 110px 100px 150px 70px 170px; }
.tb-history-params { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; color: #57606a; }
.tb-schedule-tag { color: #57606a; font-size: 85%; }
.tb-kv th { text-align: left; padding: 1px 10px 1px 0; color: #57606a; font-weight: normal; }
.tb-kv td { padding: 1px 6px; font-family: monospace; }
.tb-run-meta { color: #57606a; margin-bottom: 4px; line-height: 1.4; }
.tb-notice:empty { display: none; }
.tb-history-head { font-weight: bold; }
.tb-download { margin-right: 12px; color: #0b57d0; text-decoration: underline; }
.tb-plan caption { text-align: left; font-weight: bold; white-space: nowrap; }
.tb-plot { max-width: 100%; display: block; margin: 6px 0; }
</style>
"""
