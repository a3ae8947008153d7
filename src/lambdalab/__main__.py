from lambdalab.cli import main

raise SystemExit(main())
