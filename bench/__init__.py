"""Speed and memory benchmarks: each module ``bench_<area>.py`` has a ``main()`` printing its figures
and their ratio to a baseline measured in the same run. Run them all with ``make bench``."""
