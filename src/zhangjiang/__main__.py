"""Run ``python -m zhangjiang``."""

from zhangjiang.cli import main

if __name__ == "__main__":
    main()
