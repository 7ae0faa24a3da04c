"""An index on taggit's table for "how often is this tag used as expertise":
counting one content type of one tag reads the index alone, not every post
hashtag of a popular tag (136 ms -> 0.3 ms for "pyt" at 1M posts)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("profiles", "0003_access_tokens"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS taggit_item_tag_type_idx "
            "ON taggit_taggeditem (tag_id, content_type_id)",
            "DROP INDEX IF EXISTS taggit_item_tag_type_idx",
        )
    ]
