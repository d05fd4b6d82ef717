-- What a signed-in request needs about its user, loaded with the user in one statement
-- (axum-login loads the user on every request; permissions and the name in the header used
-- to be two more round trips, and the permissions a third time for the page's actor).
-- Staff hold every permission.
CREATE FUNCTION user_permissions(user_id bigint, is_staff boolean) RETURNS text[]
LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(codename ORDER BY codename), '{}')
    FROM permissions p
    WHERE is_staff
       OR EXISTS (SELECT 1
                  FROM user_groups ug
                  JOIN group_permissions gp ON gp.group_id = ug.group_id
                  WHERE ug.user_id = user_permissions.user_id AND gp.permission_id = p.id)
$$;

CREATE FUNCTION user_display_name(user_id bigint) RETURNS text
LANGUAGE sql STABLE AS $$
    SELECT display_name FROM profiles WHERE profiles.user_id = user_display_name.user_id
$$;
