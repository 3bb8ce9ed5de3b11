"""Tools on the sheet: grading, the quiz session, gradcheck, training, practice problems.
No I/O and no rich: views show what these return."""
