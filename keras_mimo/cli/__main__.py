import sys

from keras_mimo.cli import main

sys.exit(main())
