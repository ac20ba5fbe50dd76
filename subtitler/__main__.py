from subtitler.cli import main

main()
