"""Paper reproductions as part of the product: ``anomalab reproduce PAPER``.

Each paper is one declarative spec inside the package (``specs/<paper>.toml``, see
:mod:`anomalab.reproductions.spec`) with its prose as Markdown fragments beside it
(``specs/<paper>/*.md``); what a spec cannot declare is a registered section function
(:mod:`anomalab.reproductions.registry`, one module per paper in ``sections/``). One engine
(:mod:`anomalab.reproductions.engine`) runs the parts through the benchmark's runner and stores,
or restores them from the archive (:mod:`anomalab.reproductions.archive`), and renders the report
with the benchmark report's sections (:mod:`anomalab.bench.document`).
"""
