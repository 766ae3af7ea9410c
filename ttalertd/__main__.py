from ttalertd.cli import main

raise SystemExit(main())
