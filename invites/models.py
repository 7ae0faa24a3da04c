# Models arrive with this app's own issue; the app is installed and migrates already.
