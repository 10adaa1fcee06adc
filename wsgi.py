from ohwb_engage import create_app

app = create_app()
