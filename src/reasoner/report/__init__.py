"""Reading a run: metrics, tables, plots and report.html, drawn from a run folder's files alone.

The reporting room of the evaluator. `reasoner.eval` runs an evaluation and writes its
folder (results.jsonl, config.json); everything here reads what it wrote, and never imports
`reasoner.eval`, so `reasoner report` needs no model, no sandbox and no runner.

- `run_folder`: the folder's file names and readers, and atomic writes;
- `metrics`, `selective`, `revision`, `paired`, `sampling`: what a run's results say
  (accuracy with bootstrap intervals, the confidence-target score, risk-coverage,
  calibration error, what revising did, paired comparisons, cost in samples);
- `table`, `markdown`, `grouped_tables`, `confidence_table`, `revision_table`, `labels`,
  `skipped_rows`: the terminal and Markdown tables;
- `plots`, `calibration_plots`, `collapse_plot` (sharing `page_figure`), `pipeline_graphs`,
  `html_report`: the PNG plots, each pipeline's graph, and the HTML page;
- `reports`: all of it written into the folder (`report(folder)` redraws it).
"""
