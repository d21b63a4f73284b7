import Cron
print("placeholder")
