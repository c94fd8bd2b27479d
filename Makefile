.PHONY: run test test-sqlite lint bench i18n quiz-balance

run:            ## set up and serve the demo on http://127.0.0.1:5000
	bash scripts/run.sh

test:           ## set up and run every test on SQLite and PostgreSQL
	bash scripts/test.sh

test-sqlite:    ## quick: the suite on SQLite only (after one `make test`)
	.venv/bin/python -m pytest

lint:           ## ruff over the repository and mypy over lms/, printing only problems (`make test` and CI run it too)
	bash scripts/lint.sh

bench:          ## print benchmark figures: course sync, req/s under gunicorn, executive-dashboard latency and the rollup job's longest write lock at 3 and 300 companies; server CPU and SQL statements per lesson page, exercise page, course page and employee home against a bare route; time of the personal-data guard over a 4,000-character prompt and its findings in the shipped lessons; sync of 1,000 use-case files; import and export of a 10,000-row catalog spreadsheet; the use-case catalog page beside the lesson page; use-case search p50/p95 at 10,000 generated cases on SQLite and PostgreSQL; `flask usage import` of 5,000-row vendor exports
	bash scripts/setup.sh
	.venv/bin/python scripts/bench.py

i18n:           ## extract UI strings and merge them into both catalogs
	.venv/bin/pybabel extract -F babel.cfg -k _l -o lms/translations/messages.pot --sort-output --no-location --project lms .
	.venv/bin/pybabel update -i lms/translations/messages.pot -d lms/translations --width 100 --no-fuzzy-matching --ignore-obsolete
	.venv/bin/pybabel compile -d lms/translations --statistics

quiz-balance:   ## print where the right answers of the shipped quizzes sit and how often they are the longest option
	.venv/bin/python scripts/quiz_balance.py courses
