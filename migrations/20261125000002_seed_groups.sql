-- The two groups and their permissions (what Django created in a data migration).
-- Travellers read, comment and rate; writers also write and publish. Staff (users.is_staff)
-- hold every permission, including the ones no group has.

INSERT INTO permissions (codename, description) VALUES
    ('comment.create',  'Write comments and replies'),
    ('rating.create',   'Rate articles'),
    ('article.create',  'Write and edit own articles'),
    ('article.publish', 'Publish own articles'),
    ('comment.moderate','Hide or delete any comment'),
    ('article.moderate','Edit, unpublish or delete any article'),
    ('user.promote',    'Promote travellers to writers and demote them'),
    ('user.manage',     'Activate, deactivate and edit users, groups and permissions');

INSERT INTO groups (name, description) VALUES
    ('traveller', 'Everyone who signs up: reads, rates and comments'),
    ('writer',    'Promoted by staff: also writes and publishes articles');

INSERT INTO group_permissions (group_id, permission_id)
SELECT g.id, p.id
FROM groups g
JOIN permissions p ON
    (g.name = 'traveller' AND p.codename IN ('comment.create', 'rating.create'))
 OR (g.name = 'writer'    AND p.codename IN ('comment.create', 'rating.create',
                                              'article.create', 'article.publish'));
