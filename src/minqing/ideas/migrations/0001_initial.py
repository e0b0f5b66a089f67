# Takes over web.Campaign and web.CampaignCase (web/migrations/0004): the models' state is
# created here on the existing tables (db_table keeps their names), no row moves; the content
# types follow, so that admin permissions keep their rows. Written by hand (a move).

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


def move_content_types(apps, schema_editor):
    ContentType = apps.get_model('contenttypes', 'ContentType')
    for model in ('campaign', 'campaigncase'):
        if not ContentType.objects.filter(app_label='ideas', model=model).exists():
            ContentType.objects.filter(app_label='web', model=model).update(app_label='ideas')


def back_content_types(apps, schema_editor):
    ContentType = apps.get_model('contenttypes', 'ContentType')
    for model in ('campaign', 'campaigncase'):
        if not ContentType.objects.filter(app_label='web', model=model).exists():
            ContentType.objects.filter(app_label='ideas', model=model).update(app_label='web')


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('cases', '0003_default_categories'),
        ('regions', '0001_initial'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('web', '0004_move_campaign_to_ideas'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Campaign',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('slug', models.SlugField(max_length=64, unique=True, verbose_name='标识')),
                        ('title', models.CharField(max_length=200, verbose_name='标题')),
                        ('description', models.TextField(blank=True, verbose_name='说明')),
                        ('kind', models.CharField(default='suggestion', max_length=12, verbose_name='诉求类型')),
                        ('active', models.BooleanField(default=True, verbose_name='进行中')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('category', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to='cases.category')),
                        ('region', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, to='regions.region')),
                    ],
                    options={
                        'verbose_name': '征集活动',
                        'verbose_name_plural': '征集活动',
                        'ordering': ['-created_at', 'slug'],
                        'db_table': 'web_campaign',
                    },
                ),
                migrations.CreateModel(
                    name='CampaignCase',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('campaign', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='links', to='ideas.campaign')),
                        ('case', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='campaign_link', to='cases.case')),
                    ],
                    options={'db_table': 'web_campaigncase'},
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, back_content_types),
    ]
