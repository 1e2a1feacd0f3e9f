"""The rendering stage: every label (zh/en) in one table, text, Markdown, HTML and Excel
reports, offline web maps and printable map annexes (附图)."""
