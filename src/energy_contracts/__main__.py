from energy_contracts.cli import main

main()
