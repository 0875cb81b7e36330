"""Agendas (Tagesordnungen): numbered items, standard agendas per body, attachments."""
