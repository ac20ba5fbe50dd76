"""The studio: a local web app in front of the watched folder. People drop videos on a page, pick the network
and the languages, watch each job's progress, download the outputs and correct the subtitles on the picture.

One way to run jobs: uploads are written into DIR/inbox, the watcher (`subtitler.watch`) and its workers do
them exactly as `subtitler watch` would, and the pages read the watcher's ledger (DIR/outbox/watch.sqlite).

    state.py     the studio's folders and its jobs by id (JobRef, Studio), shared with the editor's routes
    events.py    events pushed to every open page (server-sent events), from any thread
    listing.py   a job as the jobs page shows it: its stage, its progress, the time left
    files.py     a job's output files by id, one at a time or as a zip
    offer.py     what a person can choose: the network presets, the languages reachable here, how to get more
    upload_presets.py   one upload's choices as an inbox subfolder with a preset of its own (folder presets)
    uploads.py   a file streamed to a hidden name, checked by probing, renamed into the inbox whole; glossaries
    security.py  the access token, the host check, CSRF, the security headers
    pages.py     templates (Jinja2, autoescaped) and the pages
    api.py       the JSON API of the jobs page, and the ledger followed for changes
    app.py       the Starlette app
    service.py   the watcher in a thread beside uvicorn, both stopped together

The editor (templates/editor.html, static/editor.*):

    editor_api.py   its routes (the list of them in its docstring)
    requests.py     what a request brings, checked at the door; a refusal answered as JSON
    opened.py       a finished job as the editor opens it: its job.json, options and media
    job_cues.py     a job's cues: the newest correction or the pipeline's own, checked against the rules
    frames.py       a frame drawn exactly as the burn draws it, in the job's look or another preset's
    job_glossary.py the video's own glossary, added to word by word
    publish.py      publishing: the job and its copies run again through the watcher, followed to their end
    copies.py       a video's copies for other networks: one transcript, one correction, each network's look
"""
