from hitl_console.cli import main

main()
