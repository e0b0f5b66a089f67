# Campaign and CampaignCase moved to the ideas app: only Django's state changes here, the
# tables (web_campaign, web_campaigncase) stay where they are and the ideas app takes them
# over (ideas/migrations/0001_initial.py). Written by hand: makemigrations cannot express a move.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('web', '0003_pendingupload'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='CampaignCase'),
                migrations.DeleteModel(name='Campaign'),
            ],
            database_operations=[],
        ),
    ]
