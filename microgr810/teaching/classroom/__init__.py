"""The classroom: a variant of the reference problem for every student, a whole class graded at once with a
summary of its mistakes, and exports to the course platforms (Gradescope, otter-grader, PrairieLearn)."""
