from paygw.main import main

main()
